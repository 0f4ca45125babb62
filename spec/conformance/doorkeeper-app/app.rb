# frozen_string_literal: true
# A minimal Rails + Doorkeeper app configured like T-Gate (see README.md "Conformance"): authorization
# code and refresh token grants, refresh tokens on, 10-minute codes, an auto-approving grant page, a
# default scope and a protected integration-scopes list with pagy's headers. System gems only, no Gemfile.
#
# Environment: DK_DB (SQLite file, created fresh), DK_MODE (grace | instant: whether the
# previous_refresh_token column exists), DK_CLIENTS (JSON [{uid, secret, redirect_uri}]).
require 'json'
require 'active_support/all'
require 'digest'
require 'rails'
require 'active_record/railtie'
require 'action_controller/railtie'
require 'sqlite3'
require 'doorkeeper'

# The access-token lifetime, settable at run time through the control API (Doorkeeper's default: 2 hours).
$access_token_lifetime = 7200
# One line per token request, read by the specs (GET /__conformance/token_requests).
$token_requests = []

# Rails reads the database from DATABASE_URL when there is no config/database.yml.
ENV['DATABASE_URL'] = "sqlite3:#{ENV.fetch('DK_DB')}?pool=16&timeout=5000"

class ConformanceApp < Rails::Application
  config.root = __dir__
  config.eager_load = false
  config.logger = Logger.new(nil)
  config.log_level = :fatal
  config.secret_key_base = 'conformance-only-not-a-secret'
  config.hosts.clear
  config.active_record.legacy_connection_handling = false if config.active_record.respond_to?(:legacy_connection_handling=)
end

# The company user logged in to the portal: every grant page is approved by this one.
CompanyUser = Struct.new(:id)

Doorkeeper.configure do
  orm :active_record
  resource_owner_authenticator { CompanyUser.new(1) }
  skip_authorization { true }
  grant_flows %w[authorization_code]
  use_refresh_token
  authorization_code_expires_in 10.minutes
  access_token_expires_in 2.hours
  custom_access_token_expires_in { |_context| $access_token_lifetime }
  default_scopes :public
  base_controller 'ActionController::Base'
end

class IntegrationScopesController < ActionController::API
  include Doorkeeper::Rails::Helpers
  before_action :doorkeeper_authorize!

  SCOPES = (1..45).map { |i| { id: i, brand_id: 1 + (i - 1) / 15, branch_id: 1 + (i - 1) / 3, menu_id: i } }.freeze

  # pagy's parameters (page, items) and headers.
  def index
    items = (params[:items] || 20).to_i.clamp(1, 100)
    page = [(params[:page] || 1).to_i, 1].max
    pages = [(SCOPES.size + items - 1) / items, 1].max
    response.headers.merge!('current-page' => page.to_s, 'page-items' => items.to_s,
                            'total-count' => SCOPES.size.to_s, 'total-pages' => pages.to_s)
    render json: SCOPES.slice((page - 1) * items, items) || []
  end
end

# Test controls on loopback: the token-request record, the token lifetime, time passing for issued tokens.
class ConformanceController < ActionController::API
  def token_requests
    render json: $token_requests
  end

  def settings
    $access_token_lifetime = Integer(params.require(:access_token_lifetime))
    head :no_content
  end

  # As if every access token issued so far had outlived its lifetime.
  def expire_access_tokens
    Doorkeeper::AccessToken.find_each { |t| t.update_columns(created_at: t.created_at - (t.expires_in.to_i + 1).seconds) }
    head :no_content
  end

  # As if `seconds` had passed for every code and token issued so far.
  def age
    seconds = Integer(params.require(:seconds)).seconds
    [Doorkeeper::AccessGrant, Doorkeeper::AccessToken].each { |m| m.find_each { |r| r.update_columns(created_at: r.created_at - seconds) } }
    head :no_content
  end
end

Rails.application.initialize!

ActiveRecord::Migration.verbose = false
ActiveRecord::Schema.define do
  # Doorkeeper 5.5's generated migration (lib/generators/doorkeeper/templates/migration.rb.erb).
  create_table :oauth_applications do |t|
    t.string :name, null: false
    t.string :uid, null: false
    t.string :secret, null: false
    t.text :redirect_uri, null: false
    t.string :scopes, null: false, default: ''
    t.boolean :confidential, null: false, default: true
    t.timestamps null: false
  end
  add_index :oauth_applications, :uid, unique: true
  create_table :oauth_access_grants do |t|
    t.references :resource_owner, null: false
    t.references :application, null: false
    t.string :token, null: false
    t.integer :expires_in, null: false
    t.text :redirect_uri, null: false
    t.datetime :created_at, null: false
    t.datetime :revoked_at
    t.string :scopes, null: false, default: ''
  end
  add_index :oauth_access_grants, :token, unique: true
  create_table :oauth_access_tokens do |t|
    t.references :resource_owner, index: true
    t.references :application, null: false
    t.string :token, null: false
    t.string :refresh_token
    t.integer :expires_in
    t.datetime :revoked_at
    t.datetime :created_at, null: false
    t.string :scopes
    # Doorkeeper: with this column the old refresh token is revoked when the new access token is first
    # used (grace); without it, as soon as the new token is created (instant).
    t.string :previous_refresh_token, null: false, default: '' if ENV.fetch('DK_MODE') == 'grace'
  end
  add_index :oauth_access_tokens, :token, unique: true
  add_index :oauth_access_tokens, :refresh_token, unique: true
end


Rails.application.routes.draw do
  use_doorkeeper
  # T-Gate's documented grant page is <portal>/oauth (Doorkeeper's own is /oauth/authorize).
  get '/oauth', to: 'doorkeeper/authorizations#new'
  get '/partner/v1/integration_scopes', to: 'integration_scopes#index'
  get '/__conformance/token_requests', to: 'conformance#token_requests'
  post '/__conformance/settings', to: 'conformance#settings'
  post '/__conformance/expire_access_tokens', to: 'conformance#expire_access_tokens'
  post '/__conformance/age', to: 'conformance#age'
end

JSON.parse(ENV.fetch('DK_CLIENTS', '[]')).each do |c|
  Doorkeeper::Application.create!(name: c.fetch('uid'), uid: c.fetch('uid'), secret: c.fetch('secret'),
                                  redirect_uri: c.fetch('redirect_uri'), confidential: true)
end

# Records each token request's outcome; the refresh token only as a short one-way tag.
class TokenRequestRecorder
  def initialize(app)
    @app = app
  end

  def call(env)
    return @app.call(env) unless env['REQUEST_METHOD'] == 'POST' && env['PATH_INFO'] == '/oauth/token'
    request = ActionDispatch::Request.new(env)
    params = request.request_parameters rescue {}
    status, headers, body = @app.call(env)
    refresh = params['refresh_token']
    $token_requests << { at: (Time.now.to_f * 1000).round, status: status, grant_type: params['grant_type'],
                         refresh_token_tag: refresh.is_a?(String) ? Digest::SHA256.hexdigest(refresh)[0, 6] : nil }
    [status, headers, body]
  end
end
